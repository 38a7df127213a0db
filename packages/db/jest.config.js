module.exports = require('../../jest.preset')(__dirname, {
  globalSetup: '<rootDir>/scripts/jest-global-setup.js',
});
