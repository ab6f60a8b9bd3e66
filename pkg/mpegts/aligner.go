package mpegts

// Aligner turns a byte stream (FIFO reads of any size) into whole packets. It checks the sync byte of
// every packet and, when it is lost, skips ahead to the next offset where three sync bytes line up.
// It is not safe for concurrent use.
type Aligner struct {
	rest    []byte
	Resyncs uint64 // how many times sync was lost
	Skipped uint64 // bytes thrown away while resyncing
}

// FeedOwned is Feed for data the caller gives away (it never writes to it again): when data is whole
// packets in sync and no partial packet is pending, which is how a FIFO read of a TS writer usually
// is, it is returned as it is, without a copy or an allocation; otherwise it is handled as Feed does.
func (a *Aligner) FeedOwned(data []byte) []byte {
	if len(a.rest) == 0 && len(data)%PacketSize == 0 && inSync(data) {
		return data[:len(data):len(data)]
	}
	return a.Feed(data)
}

// inSync reports whether every packet of data (whole packets) starts with the sync byte.
func inSync(data []byte) bool {
	for off := 0; off < len(data); off += PacketSize {
		if data[off] != SyncByte {
			return false
		}
	}
	return true
}

// Feed appends data and returns the whole packets now available, as one slice whose length is a
// multiple of PacketSize. The returned slice is freshly allocated and owned by the caller.
func (a *Aligner) Feed(data []byte) []byte {
	buf := data
	if len(a.rest) > 0 {
		buf = append(a.rest, data...)
		a.rest = nil
	}
	out := make([]byte, 0, len(buf)/PacketSize*PacketSize)
	i := 0
	for len(buf)-i >= PacketSize {
		if buf[i] == SyncByte {
			// A run of packets in sync is copied at once.
			j := i + PacketSize
			for len(buf)-j >= PacketSize && buf[j] == SyncByte {
				j += PacketSize
			}
			out = append(out, buf[i:j]...)
			i = j
			continue
		}
		// Lost sync: find the next offset with sync bytes at +0, +188, +376 (or as many as we have).
		a.Resyncs++
		j := i + 1
		for ; j < len(buf); j++ {
			if buf[j] != SyncByte {
				continue
			}
			if (j+PacketSize >= len(buf) || buf[j+PacketSize] == SyncByte) &&
				(j+2*PacketSize >= len(buf) || buf[j+2*PacketSize] == SyncByte) {
				break
			}
		}
		a.Skipped += uint64(j - i)
		i = j
	}
	if i < len(buf) {
		a.rest = append([]byte(nil), buf[i:]...)
	}
	return out
}
