"""Understanding segments: profiles and names, and the figures that draw them."""
