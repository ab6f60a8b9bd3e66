package worker

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/nvrproject/nvr/pkg/ipc"
)

// handshakeTimeout bounds how long the worker waits for its Config after Hello.
const handshakeTimeout = 10 * time.Second

// Exit codes of nvr-worker.
const (
	ExitOK       = 0 // stopped on request or because nvrd went away
	ExitStream   = 1 // the stream failed or ended; an Error message was sent first
	ExitSetup    = 2 // bad arguments, no socket, failed handshake
	ExitPipeline = 3 // the pipeline could not be built
)

// Main runs the worker with command-line args and returns the process exit code.
func Main(args []string, newPipeline NewPipelineFunc) int {
	tuneRuntime()
	fs := flag.NewFlagSet("nvr-worker", flag.ContinueOnError)
	socket := fs.String("socket", "", "Unix socket of nvrd")
	camera := fs.String("camera", "", "camera id")
	gen := fs.Uint64("generation", 0, "worker generation")
	if err := fs.Parse(args); err != nil {
		return ExitSetup
	}
	// One JSON object per line: nvrd relays each at its level with the camera and generation attached.
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).
		With("camera", *camera, "gen", *gen, "pid", os.Getpid())
	if *socket == "" {
		log.Error("nvr-worker is started by nvrd; it needs --socket")
		return ExitSetup
	}
	nc, err := net.Dial("unix", *socket)
	if err != nil {
		log.Error("cannot reach nvrd", "err", err)
		return ExitSetup
	}
	conn := ipc.NewConn(nc)
	defer conn.Close()
	cfg, err := handshake(nc, conn, *camera, *gen)
	if err != nil {
		log.Error("handshake failed", "err", err)
		return ExitSetup
	}
	return run(log, conn, cfg, newPipeline)
}

func handshake(nc net.Conn, conn *ipc.Conn, camera string, gen uint64) (*ipc.Config, error) {
	if err := conn.Send(&ipc.Envelope{Kind: ipc.KindHello, Hello: &ipc.Hello{PID: os.Getpid(), Generation: gen, CameraID: camera}}); err != nil {
		return nil, err
	}
	_ = nc.SetReadDeadline(time.Now().Add(handshakeTimeout))
	e, err := conn.Receive()
	if err != nil {
		return nil, fmt.Errorf("waiting for config: %w", err)
	}
	_ = nc.SetReadDeadline(time.Time{})
	switch e.Kind {
	case ipc.KindConfig:
		return e.Config, nil
	case ipc.KindError:
		return nil, fmt.Errorf("nvrd refused the worker: %s", e.Error.Message)
	}
	return nil, fmt.Errorf("expected config, got %s", e.Kind)
}

func run(log *slog.Logger, conn *ipc.Conn, cfg *ipc.Config, newPipeline NewPipelineFunc) int {
	var jumped jumps
	p, err := newPipeline(Spec{URL: cfg.URL, FIFO: cfg.FIFO, JPEGQuality: cfg.JPEGQuality, SubURL: cfg.SubURL, SubFIFO: cfg.SubFIFO,
		OnJump: jumped.add})
	if err != nil {
		_ = conn.Send(&ipc.Envelope{Kind: ipc.KindError, Error: &ipc.Error{Message: err.Error()}})
		return ExitPipeline
	}
	var media ipc.Status
	if mr, ok := p.(MediaReporter); ok {
		m := mr.Media()
		audio := ""
		if m.Audio != AudioNone {
			audio = "aac" // what the TS carries: G.711 and Opus are transcoded
		}
		st := &ipc.Status{State: "media", Codec: m.Video, Audio: audio, AudioNote: m.AudioNote,
			Transport: m.Transport, TLSFingerprint: m.TLSFingerprint}
		if m.TLSFingerprint != "" {
			log.Info("camera TLS certificate accepted (nvr accepts cameras' self-signed certificates and records their fingerprint)", "sha256", m.TLSFingerprint)
		}
		if st.AudioNote == "" && m.AudioSeen != AudioNone && m.Audio == AudioNone {
			st.AudioNote = "audio not recorded: nvr does not record camera audio yet (the video is recorded)"
		}
		if err := conn.Send(&ipc.Envelope{Kind: ipc.KindStatus, Status: st}); err != nil {
			log.Warn("cannot send the stream's codecs to nvrd", "err", err)
		}
		media = *st
	}
	if sr, ok := p.(SubstreamReporter); ok && cfg.SubURL != "" {
		sr.OnSubstream(func(state, reason string) {
			st := &ipc.Status{State: "substream", Substream: &ipc.Substream{State: state, Error: reason}}
			if err := conn.Send(&ipc.Envelope{Kind: ipc.KindStatus, Status: st}); err != nil {
				log.Warn("cannot send the substream's state to nvrd", "err", err)
			}
			if state == ipc.SubFailed {
				log.Warn("substream failed; analysis uses the main stream", "reason", reason)
			}
		})
	}
	if mr, ok := p.(MainSizeReporter); ok && cfg.SubURL != "" {
		mr.OnMainSize(func(w, h int) {
			st := &ipc.Status{State: "size", Width: w, Height: h}
			if err := conn.Send(&ipc.Envelope{Kind: ipc.KindStatus, Status: st}); err != nil {
				log.Warn("cannot send the main stream's size to nvrd", "err", err)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reportDone := make(chan struct{})
	go func() { defer close(reportDone); jumped.report(ctx, log, conn, media) }()
	defer func() { cancel(); <-reportDone }()

	// The socket reader: Stop or EOF (nvrd gone) ends the pipeline.
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer cancel()
		for {
			e, err := conn.Receive()
			if err != nil {
				if !errors.Is(err, io.EOF) && ctx.Err() == nil {
					log.Warn("ipc read failed; stopping", "err", err)
				}
				return
			}
			switch e.Kind {
			case ipc.KindStop:
				return
			case ipc.KindWant:
				if fs, ok := p.(FullSizer); ok {
					fs.WantFull(e.Want.Full, e.Want.Next)
				}
			case ipc.KindSubRelay:
				if sr, ok := p.(SubRelayer); ok && e.SubRelay != nil {
					sr.SetSubRelay(e.SubRelay.On)
				}
			}
		}
	}()

	var sendErrLogged bool
	err = p.Run(ctx, func(f Frame) {
		err := conn.Send(&ipc.Envelope{Kind: ipc.KindKeyframe, Keyframe: &ipc.Keyframe{
			CameraID: cfg.CameraID, PTS: f.PTS, WallNS: f.Wall.UnixNano(), Width: f.Width, Height: f.Height, JPEG: f.JPEG, Sub: f.Sub,
			Full: f.Full, FullWidth: f.FullWidth, FullHeight: f.FullHeight,
		}})
		if err != nil && !sendErrLogged {
			sendErrLogged = true
			log.Warn("cannot send keyframe to nvrd", "err", err)
			cancel()
		}
	})
	if err == nil {
		return ExitOK
	}
	var se *StreamError
	if !errors.As(err, &se) {
		se = &StreamError{Message: err.Error()}
	}
	// nvrd logs the failure from this message (once, rate-limited); the worker logs it only when nvrd
	// cannot be told.
	if err := conn.Send(&ipc.Envelope{Kind: ipc.KindError, Error: &ipc.Error{Message: se.Message, Detail: se.Detail}}); err != nil {
		log.Error("stream failed", "err", se.Message, "detail", se.Detail, "ipc_err", err)
	}
	return ExitStream
}
