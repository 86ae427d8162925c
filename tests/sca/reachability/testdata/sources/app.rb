require 'plain_gem'
require "net/http"
require('paren_gem')
require_relative 'own_file'
Kernel.require 'kernel_gem'
autoload :Thing, 'autoloaded_gem'
Bundler.require(*Rails.groups)
# require 'trap_comment'
=begin
require 'trap_block_comment'
=end
TEXT = "require 'trap_string'"
name = 'trap_variable'
require name
require "trap_#{name}"
gem 'trap_gem_activation'
obj.require 'trap_receiver'
