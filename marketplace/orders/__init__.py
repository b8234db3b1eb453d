"""Orders: the cart, checkout, and the states of an order and its parts."""
