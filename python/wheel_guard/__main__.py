"""python -m wheel_guard: the same as the `wheel-guard` command."""

from wheel_guard._launcher import main

if __name__ == "__main__":
    raise SystemExit(main())
