package detect

// engine runs one model on fixed input and output buffers. Callers serialise its use.
type engine interface {
	// input is the model's input tensor, [1,3,H,W] float32, written before run.
	input() []float32
	// output is the model's output tensor, [1,anchors,5+classes] float32, valid after run.
	output() []float32
	// run runs the model once.
	run() error
	// close frees the session; the engine is unusable afterwards.
	close() error
}

// rowsChanger is an engine that can be told that before its next run only the input's rows above
// rows (in every plane) were written, the rest being as at the last run.
type rowsChanger interface {
	changedRows(rows int)
}
