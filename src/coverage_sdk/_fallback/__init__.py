"""Pure-Python/numpy twins of every compiled kernel in ext/, same names, same results."""
