"""Small, randomly initialised generators of each family, written in this project to the module
interfaces and structure of the public implementations the adapters target (nothing copied)."""
