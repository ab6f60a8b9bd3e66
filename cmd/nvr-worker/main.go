// Command nvr-worker runs one camera's media pipeline for nvrd. It is started by nvrd, never by hand.
package main

import (
	"os"

	"github.com/nvrproject/nvr/internal/worker"
	"github.com/nvrproject/nvr/internal/worker/gstpipe"
)

func main() { os.Exit(worker.Main(os.Args[1:], gstpipe.New)) }
