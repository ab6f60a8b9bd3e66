package gstpipe

import "os"

// relayOnlyEnv, set to 1 in nvr-worker's environment, keeps the keyframe branch's valve closed for
// good: nothing is decoded and no keyframe reaches nvrd. It exists for the benchmark's pure-relay floor
// (internal/e2e BenchmarkRealCameras) and is never set by nvrd.
const relayOnlyEnv = "NVR_WORKER_RELAY_ONLY"

func relayOnly() bool { return os.Getenv(relayOnlyEnv) == "1" }
