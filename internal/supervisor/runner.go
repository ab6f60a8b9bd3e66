package supervisor

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
)

// Runner starts worker processes. nvrd uses ExecRunner; unit tests pass a fake that plays the worker's
// side of the socket and FIFO in the test process.
type Runner interface {
	// Start starts the command and returns at once; the process runs until it exits or is killed.
	Start(cmd Command) (Process, error)
}

// Command is one worker process to start.
type Command struct {
	Path   string
	Args   []string
	Env    []string  // added to nvrd's own environment
	Stderr io.Writer // the worker's log lines
}

// Process is a started worker.
type Process interface {
	// Pid is the operating system's process id.
	Pid() int
	// Wait blocks until the process has exited and is reaped, and says how it ended. It is called once.
	Wait() error
	// Kill ends the process at once (SIGKILL); Wait still has to be called to reap it.
	Kill() error
}

// ExecRunner starts real processes with os/exec. A worker is killed when nvrd dies (Pdeathsig), so a
// crash of nvrd leaves no orphan holding a camera.
type ExecRunner struct{}

// Start implements Runner.
func (ExecRunner) Start(c Command) (Process, error) {
	cmd := exec.Command(c.Path, c.Args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stdout = io.Discard
	cmd.Stderr = c.Stderr
	cmd.Env = append(os.Environ(), c.Env...)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start worker %s: %w", c.Path, err)
	}
	return execProcess{cmd}, nil
}

type execProcess struct{ cmd *exec.Cmd }

func (p execProcess) Pid() int    { return p.cmd.Process.Pid }
func (p execProcess) Wait() error { return p.cmd.Wait() }
func (p execProcess) Kill() error { return p.cmd.Process.Kill() }
