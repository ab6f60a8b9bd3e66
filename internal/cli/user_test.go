package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sys/unix"

	"github.com/nvrproject/nvr/pkg/testskip"

	"github.com/nvrproject/nvr/internal/store"
)

// openPTY opens a pseudo-terminal: the master end (what the person at the keyboard sees and types) and
// the slave end (the command's terminal).
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		testskip.Skip(t, fmt.Sprintf("no pseudo-terminals here: %v", err), "run the tests where /dev/ptmx is available")
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// screen collects what the terminal shows.
type screen struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *screen) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// waitFor waits until cond holds, for up to 5 s, and says whether it did.
func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// typePassword waits for a prompt (the count-th) and for echo to be off, then types pw.
func typePassword(t *testing.T, scr *screen, master, slave *os.File, count int, pw string) {
	t.Helper()
	if !waitFor(func() bool { return strings.Count(strings.ToLower(scr.String()), "password") >= count }) {
		t.Fatalf("prompt %d did not come; the terminal shows %q", count, scr.String())
	}
	waitFor(func() bool {
		tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
		return err == nil && tio.Lflag&unix.ECHO == 0
	})
	if _, err := master.Write([]byte(pw + "\n")); err != nil {
		t.Fatal(err)
	}
}

// TestUserAddAtTerminal: at a terminal, `nvrd user add` reads the password without echo and asks twice;
// two different answers add nobody.
func TestUserAddAtTerminal(t *testing.T) {
	data := t.TempDir()
	run := func(name string, first, second string) (*screen, error) {
		master, slave := openPTY(t)
		scr := &screen{}
		go func() {
			buf := make([]byte, 256)
			for {
				n, err := master.Read(buf)
				scr.mu.Lock()
				scr.b.Write(buf[:n])
				scr.mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
		root := NewRoot()
		root.SetIn(slave)
		root.SetErr(slave)
		root.SetOut(&bytes.Buffer{})
		root.SetArgs([]string{"user", "add", name, "--role", "admin", "--data-dir", data})
		done := make(chan error, 1)
		go func() { done <- root.Execute() }()
		typePassword(t, scr, master, slave, 1, first)
		if !waitFor(func() bool { return strings.Count(strings.ToLower(scr.String()), "password") >= 2 }) {
			select {
			case err := <-done:
				t.Fatalf("nvrd user add asked for the password once (err %v); the terminal shows %q", err, scr.String())
			default:
				t.Fatalf("no second prompt; the terminal shows %q", scr.String())
			}
		}
		typePassword(t, scr, master, slave, 2, second)
		select {
		case err := <-done:
			return scr, err
		case <-time.After(10 * time.Second):
			t.Fatalf("nvrd user add did not end; the terminal shows %q", scr.String())
			return nil, nil
		}
	}

	scr, err := run("alice", "correct horse battery", "correct horse battery")
	if err != nil {
		t.Fatalf("user add: %v; the terminal shows %q", err, scr.String())
	}
	if strings.Contains(scr.String(), "horse") {
		t.Fatalf("the terminal echoed the password: %q", scr.String())
	}
	scr, err = run("bob", "correct horse battery", "correct horse battery!")
	if err == nil || !strings.Contains(err.Error(), "differ") {
		t.Fatalf("two different passwords: err %v; the terminal shows %q", err, scr.String())
	}

	st, err := store.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	u, err := st.UserByName(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte("correct horse battery")) != nil {
		t.Fatal("alice's password is not the one typed")
	}
	if _, err := st.UserByName(ctx, "bob"); err == nil {
		t.Fatal("a user was added although the two passwords differ")
	}
}
