// `make css`: Bootstrap's CSS cut down to the rules our pages use, written to
// static/css/bootstrap.min.css (committed). A class counts as used when its
// name appears in a template, a script of ours or the Python code (classes
// chosen in views and forms). Names that are put together at run time are
// kept by pattern below. tests/core/test_static.py checks that every class
// the templates name is still in the file.
module.exports = {
  css: [".node/node_modules/bootstrap/dist/css/bootstrap.min.css"],
  content: ["templates/**/*.html", "static/js/*.js", "marketplace/**/*.py"],
  output: "static/css/",
  // Custom properties no kept rule reads (the dark theme's, unused components').
  variables: true,
  safelist: {
    standard: [
      // Bootstrap's own states, set by our scripts (collapse) and the browser.
      "show", "collapsing", "active", "disabled", "fade",
      // flash(message, category) -> alert-<category>.
      /^alert-/,
      // Colours a value picks: badges, buttons and borders by status.
      /^(text-bg|btn|btn-outline|border|bg|text)-(primary|secondary|success|danger|warning|info|light|dark)(-subtle|-emphasis)?$/,
    ],
  },
};
