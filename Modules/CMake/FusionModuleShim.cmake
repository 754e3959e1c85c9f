# Reads itk-module.cmake without ITK's module macros (Debian's ITK 5.2.1 installs only
# ITKConfig, not ITKModuleMacros/ITKModuleExternal), then finds ITK with exactly those modules.
# Result: ITK_LIBRARIES (the module's dependencies) and FusionTest_LIBRARIES (its test dependencies).
macro(itk_module _name)
  cmake_parse_arguments(_fusion_module "EXCLUDE_FROM_DEFAULT;ENABLE_SHARED"
    "DESCRIPTION" "DEPENDS;PRIVATE_DEPENDS;COMPILE_DEPENDS;TEST_DEPENDS;FACTORY_NAMES" ${ARGN})
  set(FUSION_MODULE_NAME ${_name})
  set(FUSION_MODULE_DEPENDS ${_fusion_module_DEPENDS} ${_fusion_module_PRIVATE_DEPENDS}
    ${_fusion_module_COMPILE_DEPENDS})
  set(FUSION_MODULE_TEST_DEPENDS ${_fusion_module_TEST_DEPENDS})
  set(FUSION_MODULE_DESCRIPTION "${_fusion_module_DESCRIPTION}")
endmacro()

include(${PROJECT_SOURCE_DIR}/itk-module.cmake)

find_package(ITK 5.2 REQUIRED COMPONENTS ${FUSION_MODULE_DEPENDS} ${FUSION_MODULE_TEST_DEPENDS})
itk_module_config(FusionTest ${FUSION_MODULE_TEST_DEPENDS})
set(ITK_LIBRARIES "")
itk_module_config(ITK ${FUSION_MODULE_DEPENDS})
include(${ITK_USE_FILE})
message(STATUS "${FUSION_MODULE_NAME}: ITK ${ITK_VERSION} with ${FUSION_MODULE_DEPENDS}")
