"""The rewardkit benchmark suite: `make bench` or `python -m bench.run [--smoke] [--only ...]`.

Bounded in time and count, loopback only; it creates its own databases (`rk_bench_<hex>…`) and
processes and removes them when it ends. The report goes to bench/results/latest.md.
"""
