"""Running a server: what the host and its monitoring see.

serving (run until a signal, HTTP or HTTPS) · drain (SIGTERM: refuse joins, let uploads finish) ·
metrics (GET /metrics, Prometheus) · doctor (`mockroom doctor URL`, checks from outside) ·
turn_check (a real TURN allocation, for doctor).
"""
