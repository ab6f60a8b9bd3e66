package detect

import "strconv"

// sessionTuning is how the ONNX Runtime session runs, beyond the thread count. The zero value
// is ONNX Runtime's own defaults except for spinning (off in the zero value, on in ONNX
// Runtime).
type sessionTuning struct {
	// spin lets the intra-op worker threads busy-wait for work between the model's operators
	// (ONNX Runtime's default). Off, they sleep: on a small box shared with the recorder's own
	// processes a spinning thread takes a core from them, and from the inference's other thread.
	spin bool
	// stopSpin makes spinning threads stop as soon as a run ends (session.force_spinning_stop),
	// so that they spin only while a frame is being inferred, not between frames.
	stopSpin bool
	// blockBase is session.dynamic_block_base: above 0 a parallel loop is cut into blocks that
	// shrink as it proceeds, which balances the threads better when one of them is held up.
	blockBase int
	// noArena turns off the CPU memory arena; noPattern the memory pattern planner.
	noArena, noPattern bool
}

// engineTuning is the tuning Open uses: no spinning. BenchmarkSessionOptions (formerly BenchmarkInferenceTuning) with 2 threads on the
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
	kv := [][2]string{{"session.intra_op.allow_spinning", spin}, {"session.inter_op.allow_spinning", spin}}
	if t.stopSpin {
		kv = append(kv, [2]string{"session.force_spinning_stop", "1"})
	}
	if t.blockBase > 0 {
		kv = append(kv, [2]string{"session.dynamic_block_base", strconv.Itoa(t.blockBase)})
	}
	return kv
}
