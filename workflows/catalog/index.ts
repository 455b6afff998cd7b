// The catalog worker's workflow bundle entry point. Exported names are workflow type names.
export { createProduct } from './create-product.workflow';
export { updateProduct } from './update-product.workflow';
export { deleteProduct } from './delete-product.workflow';
export { purgeProductCache } from './purge-product-cache.workflow';
export { publishIntegrationEvent } from '../shared/publish-event.workflow';
