// What `npm run bench -- tui` drives in-process, bundled the way the product is (production
// React; Ink's Output replaced unless the bench asks for Ink's own).
export {default as React} from 'react';
export {Box, render, Text, useInput} from 'ink';
export {App} from '../ui/app/App.js';
export {domain, FakeConnection} from '../test/ui/helpers/fake-connection.js';
