// Leading comment
module "example.com/quoted"

go 1.22

require (
	"github.com/quoted/path" v1.0.0
	`github.com/raw/path` v2.0.0 // a note, not indirect
	github.com/nospace/comment v1.1.0// indirect
	"github.com/escaped\"quote" v0.1.0
)

require github.com/inline/one v0.5.0 // indirect

godebug (
	default=go1.21
)

tool golang.org/x/tools/cmd/stringer
