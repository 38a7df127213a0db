"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
//# sourceMappingURL=entity.js.map