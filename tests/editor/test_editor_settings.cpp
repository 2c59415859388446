#include "app/editor/editor_settings.h"

#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <gtest/gtest.h>

using namespace tessera::editor;

TEST(EditorSettings, ThemeDefaultsToDarkIsPersistedAndRejectsUnknownNames) {
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString ini = dir.filePath("settings.ini");
    {
        EditorSettings settings(ini);
        EXPECT_EQ(settings.theme(), "dark");
        EXPECT_EQ(settings.themes(), (QStringList{"dark", "light", "system"}));
        QSignalSpy changed(&settings, &EditorSettings::changed);
        settings.setTheme("light");
        EXPECT_EQ(settings.theme(), "light");
        EXPECT_EQ(changed.count(), 1);
        settings.setTheme("light");
        EXPECT_EQ(changed.count(), 1) << "setting the same theme again changes nothing";
        settings.setTheme("purple");
        EXPECT_EQ(settings.theme(), "light") << "an unknown theme name is ignored";
        EXPECT_EQ(changed.count(), 1);
    }
    EditorSettings reopened(ini);
    EXPECT_EQ(reopened.theme(), "light");
    reopened.setTheme("system");
    EXPECT_EQ(EditorSettings(ini).theme(), "system");
}

TEST(EditorSettings, AThemeEditedIntoTheFileAsNonsenseReadsAsDark) {
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString ini = dir.filePath("settings.ini");
    {
        QSettings raw(ini, QSettings::IniFormat);
        raw.setValue("ui/theme", "neon");
    }
    EXPECT_EQ(EditorSettings(ini).theme(), "dark");
}
