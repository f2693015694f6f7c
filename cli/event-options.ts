export const DEFAULT_PRODUCT_HELP = "product for events that name none (default: the products file's default_product, else none)";
