module example.com/app

go 1.21

toolchain go1.21.5

require (
	github.com/a/same v1.0.0
	github.com/b/fork v1.2.0
	github.com/c/local v0.3.0
	github.com/d/pinned v1.5.0
	github.com/e/other-version v2.0.0+incompatible
	golang.org/x/sys v0.1.0 // indirect
	golang.org/x/tools v0.2.0 // indirect; used by go generate
)

require github.com/f/single v0.0.0-20200101000000-abcdefabcdef

// Same module, newer version.
replace github.com/a/same => github.com/a/same v1.3.2

replace (
	github.com/b/fork => github.com/acme/fork v1.2.1-acme
	github.com/c/local => ../local/c
	github.com/d/pinned v1.5.0 => github.com/d/pinned v1.5.1
	github.com/e/other-version v1.0.0 => github.com/e/other-version v1.0.1
	github.com/not/required => github.com/not/required v9.9.9
)

exclude github.com/a/same v1.1.0

retract [v0.1.0, v0.1.5]
