module example.com/app

go 1.16

require (
	example.com/greet v1.2.0
	example.com/lib v1.0.0
	example.com/localmod v0.0.0
	example.com/old v1.0.0
)

exclude example.com/lib v1.1.0

replace example.com/old v1.0.0 => example.com/fork v1.0.1

replace example.com/localmod => ./localmod
