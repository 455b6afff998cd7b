// The catalog worker's workflow bundle entry point.
export {};
