package testcam

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/g711"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/pion/rtp"
)

// Audio tracks a test camera can send beside its video (Options.Audio).
const (
	AudioAAC  = "aac"  // AAC-LC, 16 kHz mono, mpeg4-generic, from EncodeAAC
	AudioPCMA = "pcma" // G.711 A-law, 8 kHz mono, a 440 Hz tone
)

// aacRate is the sample rate of the AAC test track; every AAC frame holds 1024 samples.
const aacRate = 16000

// EncodeAAC returns 4 s of a 440 Hz tone as raw AAC-LC frames (16 kHz mono, avenc_aac), cached in cacheDir.
func EncodeAAC(cacheDir string) ([][]byte, error) {
	path := filepath.Join(cacheDir, "tone-aac16k.adts")
	data, err := os.ReadFile(path)
	if err != nil {
		if err := os.MkdirAll(cacheDir, 0o755); err != nil {
			return nil, err
		}
		tmp := fmt.Sprintf("%s.%d-%d.tmp", path, os.Getpid(), encodeSeq.Add(1)) // parallel tests of one process encode the same clip too
		out, err := exec.Command("gst-launch-1.0", "-q", "audiotestsrc", "wave=sine", "freq=440", "num-buffers=64", "samplesperbuffer=1024",
			"!", fmt.Sprintf("audio/x-raw,rate=%d,channels=1", aacRate), "!", "avenc_aac", "!", "aacparse",
			"!", "audio/mpeg,mpegversion=4,stream-format=adts", "!", "filesink", "location="+tmp).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("encode the AAC test tone with gst-launch-1.0: %w: %s", err, out)
		}
		if err := os.Rename(tmp, path); err != nil {
			return nil, err
		}
		if data, err = os.ReadFile(path); err != nil {
			return nil, err
		}
	}
	var pkts mpeg4audio.ADTSPackets
	if err := pkts.Unmarshal(data); err != nil {
		return nil, fmt.Errorf("AAC test tone %s: %w", path, err)
	}
	aus := make([][]byte, len(pkts))
	for i, p := range pkts {
		aus[i] = p.AU
	}
	return aus, nil
}

// audioMedia returns the SDP media of the configured audio track, or nil.
func (s *Server) audioMedia() *description.Media {
	switch s.opt.Audio {
	case AudioAAC:
		return &description.Media{Type: description.MediaTypeAudio, Formats: []format.Format{&format.MPEG4Audio{
			PayloadTyp: 97, SizeLength: 13, IndexLength: 3, IndexDeltaLength: 3,
			Config: &mpeg4audio.AudioSpecificConfig{Type: mpeg4audio.ObjectTypeAACLC, SampleRate: aacRate, ChannelCount: 1},
		}}}
	case AudioPCMA:
		return &description.Media{Type: description.MediaTypeAudio, Formats: []format.Format{&format.G711{
			PayloadTyp: 8, MULaw: false, SampleRate: 8000, ChannelCount: 1,
		}}}
	}
	return nil
}

// pumpAudio sends the audio track in real time until stop: AAC frames in a loop (64 ms each) or
// 20 ms packets of an A-law tone.
func (s *Server) pumpAudio(stream *gortsplib.ServerStream, media *description.Media, stop chan struct{}) {
	var (
		period  time.Duration
		packets func(n uint64) ([]*rtp.Packet, uint32, error)
	)
	switch f := media.Formats[0].(type) {
	case *format.MPEG4Audio:
		enc, err := f.CreateEncoder()
		if err != nil || len(s.opt.AAC) == 0 {
			return
		}
		period = 1024 * time.Second / aacRate
		packets = func(n uint64) ([]*rtp.Packet, uint32, error) {
			p, err := enc.Encode([][]byte{s.opt.AAC[n%uint64(len(s.opt.AAC))]})
			return p, uint32(n * 1024), err
		}
	case *format.G711:
		enc, err := f.CreateEncoder()
		if err != nil {
			return
		}
		period = 20 * time.Millisecond
		const perPacket = 160 // 20 ms at 8 kHz
		packets = func(n uint64) ([]*rtp.Packet, uint32, error) {
			lpcm := make([]byte, 2*perPacket)
			for i := 0; i < perPacket; i++ {
				t := float64(n*perPacket+uint64(i)) / 8000
				binary.BigEndian.PutUint16(lpcm[2*i:], uint16(int16(8000*math.Sin(2*math.Pi*440*t))))
			}
			alaw, err := g711.Alaw(lpcm).Marshal()
			if err != nil {
				return nil, 0, err
			}
			p, err := enc.Encode(alaw)
			return p, uint32(n * perPacket), err
		}
	default:
		return
	}
	tick := time.NewTicker(period)
	defer tick.Stop()
	for n := uint64(0); ; n++ {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		pkts, ts, err := packets(n)
		if err != nil {
			continue
		}
		for _, p := range pkts {
			p.Timestamp = ts
			_ = stream.WritePacketRTP(media, p)
		}
	}
}
