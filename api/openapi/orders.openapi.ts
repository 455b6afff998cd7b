// /api/orders operations (orders domain).
export const ordersPaths = {};
export const ordersSchemas = {};
