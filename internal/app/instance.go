package app

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// LockFile is the name of the data directory's lock file. It holds the running nvrd's PID and address;
// it is never deleted (the lock, not the file, says whether nvrd runs).
const LockFile = "nvrd.lock"

// Instance is the one nvrd that may run on a data directory: it holds an exclusive lock (flock) on
// DATA/nvrd.lock until it ends, so a second `nvrd start` on the same data directory is refused before it
// cleans up or writes anything. The kernel drops the lock when the process ends, even by kill -9.
type Instance struct {
	f       *os.File
	dataDir string
}

// AlreadyRunningError says that another nvrd holds the data directory.
type AlreadyRunningError struct {
	DataDir string
	PID     int    // 0 when it did not say yet
	Addr    string // "" when it did not say yet
}

func (e *AlreadyRunningError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = "process " + strconv.Itoa(e.PID)
	}
	where := ""
	if e.Addr != "" {
		where = " at http://" + e.Addr + "/"
	}
	return fmt.Sprintf("nvr is already running on %s (%s%s); stop it first or give this one another --data-dir", e.DataDir, who, where)
}

// Lock takes the data directory's lock, creating the directory if need be. If another nvrd holds it, the
// error is an *AlreadyRunningError with that nvrd's PID and address.
func Lock(dataDir string) (*Instance, error) {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dataDir, err)
	}
	path := filepath.Join(dataDir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open the lock file %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			e := &AlreadyRunningError{DataDir: dataDir}
			if b, err := os.ReadFile(path); err == nil {
				e.PID, e.Addr = parseLockFile(string(b))
			}
			return nil, e
		}
		return nil, fmt.Errorf("lock the data directory %s: %w", dataDir, err)
	}
	in := &Instance{f: f, dataDir: dataDir}
	if err := in.write(""); err != nil {
		in.Close()
		return nil, err
	}
	return in, nil
}

// Announce records the address nvrd serves on in the lock file, for a second start to report.
func (in *Instance) Announce(addr string) error { return in.write(addr) }

func (in *Instance) write(addr string) error {
	body := fmt.Sprintf("pid %d\naddr %s\n", os.Getpid(), addr)
	if err := in.f.Truncate(0); err != nil {
		return fmt.Errorf("write the lock file: %w", err)
	}
	if _, err := in.f.WriteAt([]byte(body), 0); err != nil {
		return fmt.Errorf("write the lock file: %w", err)
	}
	return nil
}

func parseLockFile(s string) (pid int, addr string) {
	for _, line := range strings.Split(s, "\n") {
		k, v, _ := strings.Cut(line, " ")
		switch k {
		case "pid":
			pid, _ = strconv.Atoi(v)
		case "addr":
			addr = strings.TrimSpace(v)
		}
	}
	return pid, addr
}

// RAMDir is this instance's own subdirectory of a --ram-dir: named after the data directory, so that
// nvrds of different data directories sharing one --ram-dir never clear each other's sockets, FIFOs or
// pre-roll rings, and the next run of the same data directory finds (and clears) what a crash left.
func (in *Instance) RAMDir(ramDir string) string {
	abs, err := filepath.Abs(in.dataDir)
	if err != nil {
		abs = in.dataDir
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(ramDir, "data-"+hex.EncodeToString(sum[:6]))
}

// Close releases the lock.
func (in *Instance) Close() error { return in.f.Close() }
