//go:build cgo

package detect

import (
	"fmt"

	ort "github.com/yalue/onnxruntime_go"
)

// newSessionOptions builds every option of a detection session in one place: threads intra-op
// threads, one inter-op thread, all graph optimisations (NCHWc layout included), and the tuning t
// as it applies to the loaded runtime's version (sessionTuning.forVersion). It returns the
// tuning it applied; the caller destroys the options.
func newSessionOptions(t sessionTuning, threads int) (*ort.SessionOptions, sessionTuning, error) {
	t = t.forVersion(ort.GetVersion())
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, t, fmt.Errorf("cannot create ONNX Runtime session options: %w", err)
	}
	if err := applySessionOptions(opts, t, threads); err != nil {
		opts.Destroy()
		return nil, t, err
	}
	return opts, t, nil
}

func applySessionOptions(opts *ort.SessionOptions, t sessionTuning, threads int) error {
	if err := opts.SetIntraOpNumThreads(threads); err != nil {
		return fmt.Errorf("cannot set %d inference threads: %w", threads, err)
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return fmt.Errorf("cannot set the inter-op thread count: %w", err)
	}
	if err := opts.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableAll); err != nil {
		return fmt.Errorf("cannot set the graph optimisation level: %w", err)
	}
	for _, kv := range t.configEntries() {
		if err := opts.AddSessionConfigEntry(kv[0], kv[1]); err != nil {
			return fmt.Errorf("cannot set the session option %s=%s: %w", kv[0], kv[1], err)
		}
	}
	if t.profile != "" {
		if err := opts.EnableProfiling(t.profile); err != nil {
			return fmt.Errorf("cannot turn on profiling: %w", err)
		}
	}
	if t.dumpOptimized != "" {
		if err := opts.SetOptimizedModelFilePath(t.dumpOptimized); err != nil {
			return fmt.Errorf("cannot have the optimised model written to %s: %w", t.dumpOptimized, err)
		}
	}
	if t.noArena {
		if err := opts.SetCpuMemArena(false); err != nil {
			return fmt.Errorf("cannot turn off the memory arena: %w", err)
		}
	}
	if t.noPattern {
		if err := opts.SetMemPattern(false); err != nil {
			return fmt.Errorf("cannot turn off the memory pattern: %w", err)
		}
	}
	return nil
}
