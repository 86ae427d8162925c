module example.com/broken

require github.com/a/b
