package krmio

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"

	yn "github.com/csi-placement/csi-placement/fn/internal/yamlnode"
)

// Stream is a multi-document YAML stream of resources (manifest files, or
// what kustomize feeds a transformer plugin), kept as the text it came in.
type Stream struct {
	Items []*Item
	container
}

// ParseStream splits a YAML stream into its documents. Documents that hold
// nothing (empty ones, comments only, null) are kept as text but are not
// items; every other document must be a mapping. path names the source in
// results and errors; firstIndex numbers the stream's first item, so that
// items of several files number on. The documents are the ones yaml.v3
// reads, or the error is the one it gives, with the source and line.
func ParseStream(data []byte, path string, firstIndex int) (*Stream, error) {
	s, err := splitStream(data, path, firstIndex)
	if errors.Is(err, errLayout) {
		return decodeStream(data, path, firstIndex)
	}
	return s, err
}

// splitStream splits at document markers, which yaml.v3 reads as markers
// wherever they are, and lexes each document. A document the lexer does
// not handle is decoded alone; errLayout means the stream must be decoded
// whole (content on a marker line, directives inside the stream, a
// document after "..." without "---", aliases across documents).
func splitStream(data []byte, path string, firstIndex int) (*Stream, error) {
	if oddBreaks(data) {
		return nil, errLayout
	}
	s := &Stream{}
	src := sourceName(path)
	at, atLine := 0, 1 // start of the current document's text, and its line
	if bytes.HasPrefix(data, bom) {
		s.parts = append(s.parts, part{lit: bom})
		at = len(bom)
	}
	afterEnd := false // the last marker was "..."
	flush := func(end int, next string) error {
		doc := data[at:end]
		d, err := scanDocument(doc, atLine)
		switch {
		case errors.Is(err, errLayout):
			if afterEnd {
				return errLayout
			}
			return s.decodeDocument(doc, atLine, path, firstIndex)
		case err != nil:
			return fmt.Errorf("%s: %w", src, err)
		case d.directives:
			if next != "---" {
				return errLayout
			}
			s.parts = append(s.parts, part{lit: doc})
			return nil
		case d.start < 0:
			s.parts = append(s.parts, part{lit: doc})
			return nil
		case afterEnd:
			return errLayout // yaml.v3 wants "---" after "..."
		}
		it := &Item{raw: doc[:d.stop], seqIndent: -1, Index: firstIndex + len(s.Items), Path: path,
			line: atLine, source: src, kind: d.kind, apiVersion: d.apiVersion, probed: true}
		if d.doubt {
			it.probed = false
			n, err := it.Node()
			if err != nil {
				return err
			}
			it.kind, it.apiVersion = scalarAt(n, "kind"), scalarAt(n, "apiVersion")
		}
		s.Items = append(s.Items, it)
		s.parts = append(s.parts, part{item: it}, part{lit: doc[d.stop:]})
		return nil
	}
	line := 0
	for off := at; off < len(data); {
		l, _ := cutLine(data[off:])
		line++
		next := min(off+len(l)+1, len(data))
		if m := string(l[:min(3, len(l))]); (m == "---" || m == "...") && isMarker(l, m) {
			if !markerOnly(l) {
				return nil, errLayout // content on the marker line ("--- !tag", "--- {}")
			}
			if err := flush(off, m); err != nil {
				return nil, err
			}
			s.parts = append(s.parts, part{lit: data[off:next]})
			at, atLine = next, line+1
			afterEnd = m == "..."
		}
		off = next
	}
	if err := flush(len(data), ""); err != nil {
		return nil, err
	}
	s.adopt(&s.Items)
	return s, nil
}

// decodeDocument reads one document of a stream with yaml.v3, for a
// layout the lexer does not handle. When yaml.v3 cannot read it alone, the
// stream is decoded whole (errLayout), which gives its own answer.
func (s *Stream) decodeDocument(doc []byte, line int, path string, firstIndex int) error {
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	var root, more yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			s.parts = append(s.parts, part{lit: doc})
			return nil
		}
		return errLayout
	}
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return errLayout
	}
	n := root.Content[0]
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		s.parts = append(s.parts, part{lit: doc})
		return nil
	}
	it := &Item{raw: doc, seqIndent: -1, Index: firstIndex + len(s.Items), Path: path, line: line, source: sourceName(path)}
	if _, err := it.Node(); err != nil {
		return err
	}
	it.kind, it.apiVersion = scalarAt(it.node, "kind"), scalarAt(it.node, "apiVersion")
	s.Items = append(s.Items, it)
	s.parts = append(s.parts, part{item: it})
	return nil
}

// docScan is what the lexer found in a document.
type docScan struct {
	start, stop      int // the resource's text: its first node line, and past its last content line; start is -1 when there is none
	kind, apiVersion string
	doubt            bool // kind or apiVersion need a decode
	directives       bool // the text holds only directives and comments
}

// scanDocument finds where a document's resource ends (after its last
// content line; comments before the first key belong to it), reads its
// kind and apiVersion, and finds repeated keys. line is the document's
// first line in the input.
func scanDocument(doc []byte, line int) (d docScan, err error) {
	lx := newLexer()
	var keys keyTracker
	first := line
	d.start = -1
	probing := false
	for off := 0; off < len(doc); line++ {
		l, _ := cutLine(doc[off:])
		next := min(off+len(l)+1, len(doc))
		if d.start < 0 && l0(l) == '%' {
			if d.directives || !isYAML11(l) {
				return d, errLayout
			}
			d.directives = true
			off = next
			continue
		}
		info, ok := lx.line(l)
		if !ok || !lx.commit(false) {
			return d, errLayout
		}
		d.doubt = d.doubt || lx.multiMap
		for _, fm := range lx.flowMaps {
			dup, ok := flowDup(fm, line)
			if !ok {
				d.doubt = true
			} else if dup != nil {
				return d, fmt.Errorf("document at line %d: %w", first, dup)
			}
		}
		switch info.kind {
		case lineTrivia:
		case lineCont:
			d.doubt = d.doubt || probing
			d.stop = next
		default:
			probing = false
			if d.start < 0 {
				if d.directives {
					return d, errLayout
				}
				d.start = off
				if len(info.key) == 0 || info.indent != 0 {
					return d, errLayout // not a block mapping
				}
			}
			d.stop = next
			if dup := keys.node(info, line); dup != nil {
				return d, fmt.Errorf("document at line %d: %w", first, dup)
			}
			if info.indent == 0 {
				if info.dash || len(info.key) == 0 {
					return d, errLayout
				}
				switch string(info.key) {
				case "<<":
					d.doubt = true // a merge key may bring them
				case "kind", "apiVersion":
					if !info.exact {
						d.doubt = true
						break
					}
					probing = true
					if string(info.key) == "kind" {
						d.kind = string(info.value)
					} else {
						d.apiVersion = string(info.value)
					}
				}
			}
		}
		off = next
	}
	if lx.quote != 0 || lx.flow > 0 {
		return d, errLayout
	}
	return d, nil
}

// decodeStream reads a stream with yaml.v3's decoder, for layouts the lexer
// does not handle. yaml.v3 keeps anchors from one document to the next, so
// an alias to an earlier document's anchor is replaced by what it names.
func decodeStream(data []byte, path string, firstIndex int) (*Stream, error) {
	s := &Stream{}
	src := sourceName(path)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	budget := maxExpansion
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			s.adopt(&s.Items)
			return s, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src, relinedIn(err, data, 1))
		}
		n := doc.Content[0]
		if n.Kind == yaml.AliasNode {
			if n, _ = yn.Expand(n, &budget); n == nil {
				return nil, fmt.Errorf("%s: document at line %d: its aliases must not expand to more than %d nodes", src, doc.Line, maxExpansion)
			}
			doc.Content[0] = n
		}
		if !expandOutside(&doc, &budget) {
			return nil, fmt.Errorf("%s: document at line %d: its aliases must not expand to more than %d nodes", src, doc.Line, maxExpansion)
		}
		raw, err := encodeNode(&doc, true)
		if err != nil {
			return nil, fmt.Errorf("%s: document at line %d: %w", src, doc.Line, err)
		}
		if len(s.parts) > 0 {
			s.parts = append(s.parts, part{lit: []byte("---\n")})
		}
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			s.parts = append(s.parts, part{lit: raw})
			continue
		}
		if n.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s: document at line %d must be a mapping (a resource), got %s", src, n.Line, nodeKind(n))
		}
		if d := findDup(n); d != nil {
			return nil, fmt.Errorf("%s: document at line %d: %w", src, n.Line, d)
		}
		it := &Item{raw: raw, seqIndent: -1, Index: firstIndex + len(s.Items), Path: path, line: n.Line, source: src,
			root: &doc, node: n, kind: scalarAt(n, "kind"), apiVersion: scalarAt(n, "apiVersion")}
		s.Items = append(s.Items, it)
		s.parts = append(s.parts, part{item: it})
	}
}

// Write writes the stream with changed items re-encoded in place.
func (s *Stream) Write(w io.Writer) error { return writeParts(w, s.parts, nil) }
