// /api/products operations (catalog domain).
export const productsPaths = {};
export const productsSchemas = {};
