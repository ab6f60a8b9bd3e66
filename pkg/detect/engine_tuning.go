package detect

// sessionTuning is how the ONNX Runtime session runs, beyond the thread count.
type sessionTuning struct {
	// spin lets the intra-op worker threads busy-wait for work between the model's operators
	// (ONNX Runtime's default). Off, they sleep: on a small box shared with the recorder's own
	// processes a spinning thread takes a core from them, and from the inference's other thread.
	spin bool
}

// engineTuning is the tuning Open uses: no spinning. BenchmarkInferenceTuning with 2 threads on the
// shared 2-core box (load 10-16): nospin/spin 0.48-0.80 in five runs out of six, 1.24 in the one run
// at a quieter moment; a recorder's box is busy with its workers, so the threads sleep. Benchmarks
// swap it to compare settings.
var engineTuning = sessionTuning{spin: false}

// configEntries are the session config entries (AddSessionConfigEntry) of t.
func (t sessionTuning) configEntries() [][2]string {
	spin := "0"
	if t.spin {
		spin = "1"
	}
	return [][2]string{{"session.intra_op.allow_spinning", spin}, {"session.inter_op.allow_spinning", spin}}
}
