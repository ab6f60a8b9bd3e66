package events

import (
	"slices"
	"sort"
	"time"

	"github.com/nvrproject/nvr/pkg/detect"
)

// sameObjectIoU is the overlap with a box seen before that makes a detection the same object.
const sameObjectIoU = 0.3

// object is one detection that passed the camera's filters; box in picture fractions.
type object struct {
	label string
	score float64
	box   [4]float64
}

// track is one object being followed: where and when it was last seen, and what its owner
// keeps with it (P: the camera keeps the object's event there).
type track[P any] struct {
	label string
	box   [4]float64 // where it was last seen
	last  time.Time  // when it was last seen
	data  P
}

// tracker follows objects from one detection run to the next. It is pure: it matches
// boxes and ages tracks, and stores, triggers and draws nothing; the camera acts on what
// it reports. A detection is the same object as a track of the same label whose box it
// overlaps with an IoU (detect.IoU, as NMS uses) of at least sameObjectIoU; when several
// could match, the best overlaps pair first and each track takes at most one detection.
type tracker[P any] struct {
	tracks []*track[P] // oldest first
}

// observation is what one detection run did to the tracks.
type observation[P any] struct {
	// seen has, for each detection, the track it continues (its box and time already
	// updated), or nil for an object not tracked yet (see add).
	seen []*track[P]
	// ended are the tracks that were not seen this time and not for expireAfter before
	// it either, newest first; they are no longer tracked.
	ended []*track[P]
}

// observe matches one detection run at t with the tracks, moves the matched tracks to
// their new boxes and ends the unmatched ones not seen for expireAfter. New objects are
// not added: the caller adds them with add, once it made what it keeps with them.
func (tr *tracker[P]) observe(t time.Time, objs []object, expireAfter time.Duration) observation[P] {
	type pair struct {
		ti, oi int
		iou    float64
	}
	var pairs []pair
	for ti, k := range tr.tracks {
		for oi, o := range objs {
			if k.label != o.label {
				continue
			}
			if v := detect.IoU(k.box, o.box); v >= sameObjectIoU {
				pairs = append(pairs, pair{ti, oi, v})
			}
		}
	}
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].iou > pairs[j].iou })
	obs := observation[P]{seen: make([]*track[P], len(objs))}
	matched := make([]bool, len(tr.tracks))
	for _, p := range pairs {
		if matched[p.ti] || obs.seen[p.oi] != nil {
			continue
		}
		matched[p.ti] = true
		obs.seen[p.oi] = tr.tracks[p.ti]
	}
	for oi, k := range obs.seen {
		if k != nil {
			k.box, k.last = objs[oi].box, t
		}
	}
	for i := len(tr.tracks) - 1; i >= 0; i-- {
		if !matched[i] && t.Sub(tr.tracks[i].last) >= expireAfter {
			obs.ended = append(obs.ended, tr.tracks[i])
			tr.tracks = slices.Delete(tr.tracks, i, i+1)
		}
	}
	return obs
}

// add starts tracking a new object seen at t.
func (tr *tracker[P]) add(t time.Time, o object, data P) *track[P] {
	k := &track[P]{label: o.label, box: o.box, last: t, data: data}
	tr.tracks = append(tr.tracks, k)
	return k
}

// expire ends the tracks not seen for at least after, at t (no detection run needed:
// objects whose detection stopped still end), newest first.
func (tr *tracker[P]) expire(t time.Time, after time.Duration) []*track[P] {
	return tr.observe(t, nil, after).ended
}

// clear ends every track, oldest first.
func (tr *tracker[P]) clear() []*track[P] {
	out := tr.tracks
	tr.tracks = nil
	return out
}

// len is the number of objects tracked.
func (tr *tracker[P]) len() int { return len(tr.tracks) }
