package detect

import (
	"strconv"
	"strings"
)

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
	// flushDenormals sets session.set_denormal_as_zero: the session's threads treat denormal
	// floats as zero (flush-to-zero, denormals-are-zero), which x86 otherwise computes slowly.
	flushDenormals bool
	// disable names graph optimizers not to run (optimization.disable_specified_optimizers).
	disable string
	// keepFocus runs the model's Focus layer in ONNX Runtime instead of cutting it off
	// (model_focus.go).
	keepFocus bool
	// profile, if set, is the file prefix ONNX Runtime writes a per-operator profile to.
	profile string
	// noArena turns off the CPU memory arena; noPattern the memory pattern planner.
	noArena, noPattern bool
	// byVersion chooses disable from the runtime's version (forVersion): what Open does.
	byVersion bool
	// dumpOptimized, if set, is a file ONNX Runtime writes the optimised graph to (tests).
	dumpOptimized string
}

// quickGeluFrom is the first ONNX Runtime release whose NCHWc layout takes the fused QuickGelu
// (SiLU) activation without reordering around it.
var quickGeluFrom = [2]int{1, 27}

// forVersion is t as it applies to ONNX Runtime version (e.g. "1.27.0"): with byVersion set,
// QuickGeluFusion is left on from quickGeluFrom on and disabled before it (or when the version
// cannot be read). The NCHWc layout is never disabled.
func (t sessionTuning) forVersion(version string) sessionTuning {
	if !t.byVersion {
		return t
	}
	t.byVersion = false
	t.disable = ""
	if !versionAtLeast(version, quickGeluFrom) {
		t.disable = "QuickGeluFusion"
	}
	return t
}

// versionAtLeast tells whether version ("major.minor[.patch]") is min or later; an unreadable
// version is not.
func versionAtLeast(version string, min [2]int) bool {
	parts := strings.SplitN(strings.TrimSpace(version), ".", 3)
	if len(parts) < 2 {
		return false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return major > min[0] || (major == min[0] && minor >= min[1])
}

// engineTuning is the tuning Open uses; its QuickGelu choice depends on the runtime's version
// (forVersion).
//
// No spinning: BenchmarkSessionOptions (formerly BenchmarkInferenceTuning) with 2 threads on the
// shared 2-core box (load 10-16): nospin/spin 0.48-0.80 in five runs out of six, 1.24 in the one
// run at a quieter moment; spin with force_spinning_stop was no better (1.7-2.8x nospin at load
// 14-20); a recorder's box is busy with its workers, so the threads sleep. At a quiet moment (load
// 1.7, 2026-12-02) spin+stop was 0.95x the median of no spinning but 1.22x its CPU time.
//
// No QuickGeluFusion: ONNX Runtime fuses YOLOX's SiLU (x·sigmoid(x)) into QuickGelu, which its
// NCHWc layout (the AVX-512/AVX2 convolutions) does not take, so each of the 104 convolutions was
// followed by a reorder out of NCHWc and one back in (27 % of the run in ONNX Runtime's profile).
// Left as Sigmoid and Mul the activations stay in NCHWc; the output is the same bit for bit
// (TestSessionTuningsSameOutput). 0.81x the median and 0.77x the CPU time of the fused graph
// (interleaved, 150 runs, load 14-16). That was ONNX Runtime 1.24; from 1.27 on the NCHWc layout
// takes QuickGelu and the fused graph is the faster one (BenchmarkSessionOptions on 1.27.0:
// nospin-quickgelu/open 1.25, twice, load 12), so forVersion leaves the fusion on there. Same
// output either way (TestSessionTuningsSameOutput, TestDetectSameAcrossRuntimes).
var engineTuning = sessionTuning{byVersion: true}

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
	if t.flushDenormals {
		kv = append(kv, [2]string{"session.set_denormal_as_zero", "1"})
	}
	if t.disable != "" {
		kv = append(kv, [2]string{"optimization.disable_specified_optimizers", t.disable})
	}
	if t.blockBase > 0 {
		kv = append(kv, [2]string{"session.dynamic_block_base", strconv.Itoa(t.blockBase)})
	}
	return kv
}
