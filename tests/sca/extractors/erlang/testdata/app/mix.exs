defmodule Shop.MixProject do
  use Mix.Project

  def project do
    [
      app: :shop,
      version: "0.1.0",
      elixir: "~> 1.14",
      deps: deps()
    ]
  end

  # Run "mix help deps" to learn about dependencies.
  defp deps do
    [
      {:phoenix, "~> 1.7.10"},
      {:jason, "~> 1.2"},
      # {:commented_out, "~> 1.0"},
      {:private_sdk, "~> 0.9", hex: :acme_sdk, organization: "acme"},
      {:live_toast, github: "srcrip/live_toast", branch: "main"},
      {:credo, "~> 1.7", only: [:dev, :test], runtime: false},
      {:local_helper, path: "../local_helper", only: :test}
    ]
  end
end
