-- wrk script: GET one session's 1,000 stored events (bench/run.sh fills it first).
wrk.method = "GET"
wrk.path = "/api/events/bench-get"
