package detect

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// readLabels reads a labels file: one class name a line, line N naming class N-1.
// Blank lines at the end are ignored; a blank line before the last name is an error,
// because it would shift every class after it.
func readLabels(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the labels file: %w", err)
	}
	defer f.Close()
	var labels []string
	blank := 0 // line number of the first blank line not yet followed by a name
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		name := strings.TrimSpace(sc.Text())
		if name == "" {
			if blank == 0 {
				blank = n
			}
			continue
		}
		if blank != 0 {
			return nil, fmt.Errorf("the labels file %s has a blank line %d between class names; every line must name one class", path, blank)
		}
		labels = append(labels, name)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cannot read the labels file %s: %w", path, err)
	}
	if len(labels) == 0 {
		return nil, fmt.Errorf("the labels file %s names no class", path)
	}
	return labels, nil
}
