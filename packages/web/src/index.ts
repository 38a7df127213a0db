export { webAsset, loadWebAssets, isWebRoute, WEB_HEADERS, WEB_PREFIX, type WebAsset } from './assets';
export { chromiumForTests, CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
