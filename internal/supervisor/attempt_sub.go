package supervisor

import (
	"fmt"
	"os"
	"syscall"
)

// openSubFIFO makes the substream's FIFO beside the main one (<camera>.<generation>.sub.ts), opened
// O_RDWR like it.
func (a *attempt) openSubFIFO(f *attemptFiles, base string) error {
	f.subFIFOPath = base + ".sub.ts"
	_ = os.Remove(f.subFIFOPath)
	if err := syscall.Mkfifo(f.subFIFOPath, 0o600); err != nil {
		return fmt.Errorf("create FIFO %s: %w", f.subFIFOPath, err)
	}
	fifo, err := os.OpenFile(f.subFIFOPath, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open FIFO %s: %w", f.subFIFOPath, err)
	}
	f.subFIFO = fifo
	growPipe(fifo, a.log)
	return nil
}

// readSubFIFO reads the substream's TS into the camera's substream hub (the grid tiles' live stream).
// The watchdog does not look at it: the worker itself notices a failed substream and says so, and the
// camera goes on with the main stream. The worker writes it only while someone watches (camera_sub.go):
// after subIdleReset of silence the hub drops what it had (Reset), so the next viewer starts at the
// resumed stream's keyframe. It ends when the FIFO is closed.
func (a *attempt) readSubFIFO(fifo *os.File) *fifoReader {
	return startFIFOReader(fifo, a.subHub, subIdleReset, nil)
}
