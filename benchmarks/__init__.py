"""The benchmark suite: what vectorization buys over explicit loops. Run: python -m benchmarks run."""
