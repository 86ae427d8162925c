package main

import "github.com/single/pkg"
import (
	"fmt"
	alias "github.com/aliased/pkg-go"
	. "github.com/dot/imported"
	_ "github.com/blank/driver"
	"gopkg.in/yaml.v3"
	"github.com/versioned/module/v2"
	// "github.com/trap/comment"
	raw `github.com/raw/string`
)

/*
import "github.com/trap/block"
*/

const note = `import "github.com/trap/raw-literal"`

func main() {
	pkg.Run()
	alias.Sign(pkg.Token)
	fmt.Println(Parse(note), yaml.Unmarshal, module.New().Close())
	raw.X()
	var s = "github.com/trap/string"
	_ = s
}
