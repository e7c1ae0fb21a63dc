// Imported first by each entry point: stack traces of the bundles loaded after it name src/…ts lines.
process.setSourceMapsEnabled(true);
