module example.com/broken

require github.com/a/b v1.0.0
replace github.com/a/b => github.com/c/d
