"""External scanners, each run once per content of its inputs."""
