Gem::Specification.new do |s|
  s.name = "myapp"
  s.version = "0.1.0"
  s.summary = "the project itself"
  s.authors = ["fixture"]
  s.files = ["lib/myapp.rb"]
  s.add_dependency "rack", "~> 2.2"
  s.add_development_dependency "rake", "~> 13.0"
end
