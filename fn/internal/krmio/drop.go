package krmio

import (
	"bytes"
	"io"
)

// WriteWithout writes the stream without the items drop names, and
// without the document marker that went with each, so that no empty
// document is left in their place.
func (s *Stream) WriteWithout(w io.Writer, drop func(*Item) bool) error {
	isMarker := func(p part) bool {
		return p.item == nil && (bytes.HasPrefix(p.lit, []byte("---")) || bytes.HasPrefix(p.lit, []byte("...")))
	}
	skip := make([]bool, len(s.parts))
	for i, p := range s.parts {
		if p.item == nil || !drop(p.item) {
			continue
		}
		skip[i] = true
		j := i + 1
		if j < len(s.parts) && s.parts[j].item == nil && !isMarker(s.parts[j]) {
			skip[j] = true // the text after the item's last line
			j++
		}
		switch {
		case j < len(s.parts) && isMarker(s.parts[j]):
			skip[j] = true
		case i > 0 && isMarker(s.parts[i-1]):
			skip[i-1] = true // the last document: its marker goes
		}
	}
	var kept []part
	for i, p := range s.parts {
		if !skip[i] {
			kept = append(kept, p)
		}
	}
	return writeParts(w, kept, nil)
}
