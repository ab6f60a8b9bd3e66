package e2e

import (
	"bufio"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
)

// cutProxy is a TCP proxy on loopback in front of nvrd that can cut, from the network side, the
// connections whose first request line holds some text (e.g. one camera's live WebSocket): what a
// flaky Wi-Fi or a restarted nvrd does to a browser, which nvrd itself never does on a worker restart.
type cutProxy struct {
	ln    net.Listener
	to    string
	mu    sync.Mutex
	conns map[net.Conn]string // client side → its first request line
	wg    sync.WaitGroup
}

// startCutProxy forwards 127.0.0.1:random to target (host:port) until the test ends.
func startCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, to: target, conns: map[net.Conn]string{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		p.cut("")
		p.wg.Wait()
	})
	return p
}

// URL is the proxy's base address for the browser.
func (p *cutProxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *cutProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

func (p *cutProxy) serve(c net.Conn) {
	defer p.wg.Done()
	defer c.Close()
	up, err := net.Dial("tcp", p.to)
	if err != nil {
		return
	}
	defer up.Close()
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil {
		return
	}
	p.mu.Lock()
	p.conns[c] = strings.TrimSpace(line)
	p.mu.Unlock()
	defer func() { p.mu.Lock(); delete(p.conns, c); p.mu.Unlock() }()
	if _, err := io.WriteString(up, line); err != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(c, up)
		_ = c.Close()
	}()
	_, _ = io.Copy(up, br)
	_ = up.Close()
	<-done
}

// cut closes every proxied connection whose first request line contains text ("" cuts all) and
// returns how many it closed.
func (p *cutProxy) cut(text string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for c, line := range p.conns {
		if strings.Contains(line, text) {
			_ = c.Close()
			n++
		}
	}
	return n
}
