package mqtt

import (
	"encoding/json"
	"net/url"
	"sort"
	"strings"

	"github.com/nvrproject/nvr/internal/store"
)

// Home Assistant MQTT discovery: one device per camera, its entities' configs retained under
// <discovery prefix>/<component>/<prefix>_<camera>/<object>/config.

type haAvailability struct {
	Topic string `json:"topic"`
}

type haDevice struct {
	Identifiers      []string `json:"identifiers"`
	Name             string   `json:"name"`
	Model            string   `json:"model"`
	Manufacturer     string   `json:"manufacturer"`
	SWVersion        string   `json:"sw_version,omitempty"`
	ConfigurationURL string   `json:"configuration_url,omitempty"`
}

// haConfig is one entity's discovery config (the fields of the components used here).
type haConfig struct {
	Name          string           `json:"name"`
	UniqueID      string           `json:"unique_id"`
	ObjectID      string           `json:"object_id,omitempty"`
	StateTopic    string           `json:"state_topic,omitempty"`
	CommandTopic  string           `json:"command_topic,omitempty"`
	Topic         string           `json:"topic,omitempty"` // camera: the image topic
	PayloadOn     string           `json:"payload_on,omitempty"`
	PayloadOff    string           `json:"payload_off,omitempty"`
	StateOn       string           `json:"state_on,omitempty"`
	StateOff      string           `json:"state_off,omitempty"`
	ValueTemplate string           `json:"value_template,omitempty"`
	DeviceClass   string           `json:"device_class,omitempty"`
	Icon          string           `json:"icon,omitempty"`
	Availability  []haAvailability `json:"availability"`
	Device        haDevice         `json:"device"`
}

// haNode is a camera's node id in discovery topics (only [a-zA-Z0-9_-] are allowed).
func (r *run) haNode(id string) string {
	var b strings.Builder
	for _, c := range r.st.prefix() + "_" + id {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// discovery is a camera's discovery configs by topic.
func (r *run) discovery(c *store.Camera) map[string]haConfig {
	node := r.haNode(c.ID)
	dev := haDevice{Identifiers: []string{node}, Name: c.Name, Model: "nvr", Manufacturer: "nvr",
		SWVersion: r.s.opt.Version}
	if r.s.opt.BaseURL != "" {
		dev.ConfigurationURL = strings.TrimSuffix(r.s.opt.BaseURL, "/") + "/#/camera/" + url.PathEscape(c.ID)
	}
	avail := []haAvailability{{Topic: r.topic("available")}}
	base := func(name, obj string) haConfig {
		return haConfig{Name: name, UniqueID: node + "_" + obj, ObjectID: node + "_" + obj, Availability: avail, Device: dev}
	}
	out := map[string]haConfig{}
	put := func(component, obj string, cfg haConfig) {
		out[r.st.discoveryPrefix()+"/"+component+"/"+node+"/"+obj+"/config"] = cfg
	}
	m := base("Motion", "motion")
	m.StateTopic, m.PayloadOn, m.PayloadOff, m.DeviceClass = r.topic(c.ID+"/motion"), "ON", "OFF", "motion"
	put("binary_sensor", "motion", m)
	for _, l := range c.Detect.EffectiveLabels() {
		o := base(strings.ToUpper(l[:1])+l[1:]+" occupancy", l)
		o.StateTopic, o.PayloadOn, o.PayloadOff, o.DeviceClass = r.topic(c.ID+"/"+l), "ON", "OFF", "occupancy"
		o.ValueTemplate = "{{ 'ON' if value | int > 0 else 'OFF' }}"
		put("binary_sensor", l, o)
	}
	cam := base("Snapshot", "snapshot")
	cam.Topic = r.topic(c.ID + "/snapshot")
	put("camera", "snapshot", cam)
	for _, sw := range []struct{ obj, name, icon string }{
		{"recording", "Recording", "mdi:record-rec"}, {"detect", "Detection", "mdi:motion-sensor"},
		{"motion", "Motion detection", "mdi:walk"}} {
		s := base(sw.name, sw.obj+"_switch")
		s.StateTopic, s.CommandTopic = r.topic(c.ID+"/"+sw.obj+"/state"), r.topic(c.ID+"/"+sw.obj+"/set")
		s.PayloadOn, s.PayloadOff, s.StateOn, s.StateOff, s.Icon = "ON", "OFF", "ON", "OFF", sw.icon
		put("switch", sw.obj, s)
	}
	st := base("State", "state")
	st.StateTopic, st.Icon = r.topic(c.ID+"/status"), "mdi:cctv"
	put("sensor", "state", st)
	return out
}

// announce publishes a camera's discovery configs (retained) and clears ones it no longer has
// (a label taken off the list).
func (r *run) announce(c *store.Camera) {
	cfgs := r.discovery(c)
	topics := make([]string, 0, len(cfgs))
	for t, cfg := range cfgs {
		b, _ := json.Marshal(cfg)
		r.publish(t, b, true)
		topics = append(topics, t)
	}
	sort.Strings(topics)
	for _, old := range r.annnc[c.ID] {
		if _, ok := cfgs[old]; !ok {
			r.publish(old, nil, true)
		}
	}
	r.annnc[c.ID] = topics
}

// announceAll (re)publishes every camera's discovery configs.
func (r *run) announceAll() {
	if !r.st.Discovery {
		return
	}
	for _, c := range r.cams {
		r.announce(c)
	}
}
