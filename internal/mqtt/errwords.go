package mqtt

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"

	"github.com/eclipse/paho.golang/autopaho"
)

// connectError says in words why the broker at addr could not be reached (the settings page shows it).
func connectError(addr string, err error) error {
	var dns *net.DNSError
	var ca *autopaho.ConnackError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("cannot connect to the MQTT broker: nothing is listening at %s (connection refused)", addr)
	case errors.As(err, &dns):
		return fmt.Errorf("cannot connect to the MQTT broker: the host name %q could not be found", dns.Name)
	case errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err):
		return fmt.Errorf("cannot connect to the MQTT broker: %s did not answer in time", addr)
	case errors.As(err, &ca) && (ca.ReasonCode == 0x86 || ca.ReasonCode == 0x87 || ca.ReasonCode == 4 || ca.ReasonCode == 5):
		return fmt.Errorf("the MQTT broker at %s refused the user or password", addr)
	}
	return fmt.Errorf("connect to the MQTT broker %s: %w", addr, err)
}
