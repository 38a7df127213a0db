module.exports = require('../../jest.preset').embeddedDb(__dirname);
