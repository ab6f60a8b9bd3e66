package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/nvrproject/nvr/pkg/testskip"
)

// mosquitto is Debian's broker run by a test on a loopback port with its own config (no system service).
type mosquitto struct {
	t    *testing.T
	addr string
	conf string
	cmd  *exec.Cmd
	log  *lockedBuffer
}

// startMosquitto starts a broker on a free loopback port; user/password are required when user is set.
func startMosquitto(t *testing.T, user, password string) *mosquitto {
	t.Helper()
	if _, err := os.Stat("/usr/sbin/mosquitto"); err != nil {
		testskip.Skip(t, "mosquitto is not installed", "run make setup (scripts/setup installs it)")
	}
	dir := t.TempDir()
	m := &mosquitto{t: t, addr: freeAddr(t), conf: filepath.Join(dir, "mosquitto.conf"), log: &lockedBuffer{}}
	_, port, _ := net.SplitHostPort(m.addr)
	conf := fmt.Sprintf("listener %s 127.0.0.1\npersistence false\nlog_dest stderr\nlog_type error\nlog_type warning\n", port)
	if os.Geteuid() == 0 { // as root mosquitto would switch to its own user, which cannot read the test's files
		conf += "user root\n"
	}
	if user != "" {
		pw := filepath.Join(dir, "passwd")
		if out, err := exec.Command("mosquitto_passwd", "-b", "-c", pw, user, password).CombinedOutput(); err != nil {
			t.Fatalf("mosquitto_passwd: %v %s", err, out)
		}
		conf += "allow_anonymous false\npassword_file " + pw + "\n"
	} else {
		conf += "allow_anonymous true\n"
	}
	if err := os.WriteFile(m.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	m.start()
	t.Cleanup(m.stop)
	return m
}

// start runs the broker and waits until it accepts connections.
func (m *mosquitto) start() {
	m.t.Helper()
	m.cmd = exec.Command("/usr/sbin/mosquitto", "-c", m.conf)
	m.cmd.Stderr = m.log
	if err := m.cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", m.addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	m.t.Fatalf("mosquitto did not listen on %s within 10 s: %s", m.addr, m.log)
}

// stop kills the broker and reaps it.
func (m *mosquitto) stop() {
	if m.cmd != nil && m.cmd.ProcessState == nil {
		_ = m.cmd.Process.Kill()
		_ = m.cmd.Wait()
	}
}

// mqttMsg is one message a subscriber received.
type mqttMsg struct {
	Topic   string
	Payload []byte
	Retain  bool
}

// subscriber is a real MQTT 5 client subscribed to everything.
type subscriber struct {
	t    *testing.T
	cli  *paho.Client
	mu   sync.Mutex
	msgs []mqttMsg
	more chan struct{}
}

// subscribe connects a client to addr and subscribes to filter.
func subscribe(t *testing.T, addr, user, password, filter string) *subscriber {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &subscriber{t: t, more: make(chan struct{}, 1)}
	s.cli = paho.NewClient(paho.ClientConfig{Conn: conn, ClientID: fmt.Sprintf("test-%d", time.Now().UnixNano()),
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(p paho.PublishReceived) (bool, error) {
			s.mu.Lock()
			s.msgs = append(s.msgs, mqttMsg{Topic: p.Packet.Topic, Payload: p.Packet.Payload, Retain: p.Packet.Retain})
			s.mu.Unlock()
			select {
			case s.more <- struct{}{}:
			default:
			}
			return true, nil
		}}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cp := &paho.Connect{KeepAlive: 30, ClientID: s.cli.ClientID(), CleanStart: true}
	if user != "" {
		cp.Username, cp.UsernameFlag, cp.Password, cp.PasswordFlag = user, true, []byte(password), true
	}
	if ca, err := s.cli.Connect(ctx, cp); err != nil {
		t.Fatalf("test subscriber connect: %v %+v", err, ca)
	}
	if _, err := s.cli.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: filter, QoS: 1}}}); err != nil {
		t.Fatalf("test subscriber subscribe: %v", err)
	}
	t.Cleanup(func() { _ = s.cli.Disconnect(&paho.Disconnect{}) })
	return s
}

// publish sends a command as Home Assistant would.
func (s *subscriber) publish(topic, payload string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.cli.Publish(ctx, &paho.Publish{Topic: topic, Payload: []byte(payload), QoS: 1}); err != nil {
		s.t.Fatalf("publish %s: %v", topic, err)
	}
}

// wait returns the first message from index from on whose topic and payload satisfy ok, and its index.
func (s *subscriber) wait(from int, timeout time.Duration, what string, ok func(m mqttMsg) bool) (mqttMsg, int) {
	s.t.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		for i := from; i < len(s.msgs); i++ {
			if ok(s.msgs[i]) {
				m := s.msgs[i]
				s.mu.Unlock()
				return m, i
			}
		}
		s.mu.Unlock()
		select {
		case <-s.more:
		case <-deadline:
			s.mu.Lock()
			var topics []string
			for _, m := range s.msgs[from:] {
				topics = append(topics, m.Topic+"="+truncate(string(m.Payload), 60))
			}
			s.mu.Unlock()
			s.t.Fatalf("MQTT: no message %s within %v; got:\n%s", what, timeout, strings.Join(topics, "\n"))
		}
	}
}

// waitTopic waits for payload on topic.
func (s *subscriber) waitTopic(from int, timeout time.Duration, topic, payload string) int {
	s.t.Helper()
	_, i := s.wait(from, timeout, topic+" = "+payload, func(m mqttMsg) bool { return m.Topic == topic && string(m.Payload) == payload })
	return i
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// count is how many messages have arrived.
func (s *subscriber) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// waitFor polls cond until it holds or fails the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// put sends a JSON body with the admin token.
func (p *nvrdProc) put(t testing.TB, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("PUT", p.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
