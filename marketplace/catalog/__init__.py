"""Products and browsing: categories, products, variants, images, search."""
